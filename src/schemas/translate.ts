/**
 * Chains translators one major at a time. Guarantees: before any translator runs, the input is
 * checked against its own version (a translator is never handed data it was not written for);
 * within one major nothing is translated and the data is returned as given; every step's output is
 * checked against the latest minor of that step's major, and the result is reported as that latest
 * minor. A translator producing invalid data is a defect of the hub, raised as a ContractError.
 * A document lacking a value the next major requires (a translator's `requires`) is refused with
 * ValidationError `not-translatable`, naming the pointers, before that translator runs.
 */
import { ContractError, ValidationError } from '../errors.js';
import type { SchemaRef } from './types.js';
import type { SchemaFault } from './ajv.js';
import { valueAt } from '../json/index.js';
import type { TranslatorRegistry } from './translators/types.js';

export interface TranslateDeps {
  translators: TranslatorRegistry;
  /** undefined when the (type, version) is not in the catalogue */
  validate(type: string, version: string, data: unknown): SchemaFault[] | undefined;
  latest(type: string, major: number): SchemaRef | undefined;
  has(type: string, version: string): boolean;
}

export function translateChain(deps: TranslateDeps, type: string, fromVersion: string, toMajor: number, data: unknown): { version: string; data: unknown } {
  const fromMajor = Number(fromVersion.split('.')[0]);
  if (!Number.isInteger(toMajor) || deps.latest(type, toMajor) === undefined) {
    throw new ValidationError('unknown-message-version', `the catalogue has no major ${toMajor} of ${type}`);
  }
  if (fromMajor === toMajor) {
    // Nothing to translate: the data goes as it is, so it is not validated again here (intake did,
    // and the delivery worker would otherwise pay for a second validation on every delivery).
    if (!deps.has(type, fromVersion)) {
      throw new ValidationError('unknown-message-version', `the catalogue has no ${type}@${fromVersion}`);
    }
    return { version: fromVersion, data };
  }
  const inputFaults = deps.validate(type, fromVersion, data);
  if (inputFaults === undefined) {
    throw new ValidationError('unknown-message-version', `the catalogue has no ${type}@${fromVersion}`);
  }
  if (inputFaults.length > 0) {
    throw new ValidationError('message-invalid', `the data does not validate against ${type}@${fromVersion}`, inputFaults);
  }

  const step = toMajor > fromMajor ? 1 : -1;
  let current = data;
  let version = fromVersion;
  for (let major = fromMajor; major !== toMajor; major += step) {
    const next = major + step;
    const translator = deps.translators.find(type, major, next);
    const target = deps.latest(type, next);
    if (!translator || !target) {
      throw new ContractError(`no translator for ${type} from major ${major} to ${next}`);
    }
    const missing = (translator.requires ?? []).filter((p) => valueAt(current, p) === undefined);
    if (missing.length > 0) {
      throw new ValidationError(
        'not-translatable',
        `${type}@${version} cannot be written in major ${next}: it requires ${missing.join(', ')}, which this document does not carry`,
        missing.map((pointer) => ({ pointer, detail: `required by ${type} major ${next}, absent here` })),
      );
    }
    current = translator.translate(current);
    const faults = deps.validate(type, target.version, current) ?? [];
    if (faults.length > 0) {
      throw new ContractError(`translating ${type}@${version} to ${target.version} produced invalid data`, faults);
    }
    version = target.version;
  }
  return { version, data: current };
}
