/**
 * Authoring rules a schema must meet to be published, beyond the lint's vocabulary (lint.ts):
 * - a name's Arabic-script member (`ar`) is checked against the Arabic blocks of Unicode, and its
 *   Latin-script member (`latin`) against Latin letters: a name typed in the wrong script, or a
 *   transliteration pasted into `ar`, is refused at intake instead of reaching a registry;
 * - money is an exact decimal string with an ISO 4217 code beside it (`{ value, currency }`, the
 *   shape of ISO 20022 ActiveCurrencyAndAmount), and no field is a binary float except WGS 84
 *   coordinates (`lat`, `lon`);
 * - the root description names the public references the type follows ("References: ...").
 *
 * `wasla schemas check` applies these rules to every schema but the fifteen published before them
 * (LEGACY_SCHEMAS, by content hash): a published schema is immutable, and a pattern added to an
 * existing field would narrow it, which only a new major may do. So those keep their unchecked
 * names, a later minor of their major inherits them (publishFaults), and the type's next major
 * carries the rules (warrant.issued 3.0 does).
 */
import type { Fault } from '../errors.js';
import { escapePointerToken } from '../json/index.js';
import { isPlainObject, type JsonObject } from '../json/index.js';

/** Arabic, Arabic Supplement, Arabic Extended-A, Arabic Presentation Forms-A and -B. */
const ARABIC_LETTERS = '\\u0600-\\u06FF\\u0750-\\u077F\\u08A0-\\u08FF\\uFB50-\\uFDFF\\uFE70-\\uFEFF';
/** Basic Latin letters and the accented letters of Latin-1 Supplement and Latin Extended-A/B. */
const LATIN_LETTERS = 'A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u024F';

/** Words of `letters`, separated by spaces and the punctuation names carry (hyphen, apostrophe, comma, dot, brackets). */
function namePattern(letters: string): string {
  return `^\\(?[${letters}]+([ ,.'()\\u2019-]+[${letters}]+)*[.)]?$`;
}

/** The pattern every `ar` member of a name must carry. */
export const ARABIC_NAME_PATTERN = namePattern(ARABIC_LETTERS);
/** The pattern every `latin` member of a name must carry. */
export const LATIN_NAME_PATTERN = namePattern(LATIN_LETTERS);
/** An amount: a decimal string, up to 3 fraction digits (JOD and KWD have 3), never a JSON number. */
export const DECIMAL_PATTERN = '^-?[0-9]+(\\.[0-9]{1,3})?$';
export const CURRENCY_PATTERN = '^[A-Z]{3}$';

const NUMBER_ALLOWED = new Set(['lat', 'lon']);

/**
 * The sha-256 (as catalogue.lock.json records it) of each schema published before these rules
 * (issue 27). The set is closed: a schema published since must meet the rules.
 */
export const LEGACY_SCHEMAS: ReadonlySet<string> = new Set([
  '9e6f058bd0ed088564392c3c5aca37bd5781e8c62998d81b7b874e9761d69ed1', // alimony.order/1.0.schema.json
  '9d254ee3d0a8eac428f29974545459d528b3fe1a7019dff399a7112c3706776b', // alimony.payment-record/1.0.schema.json
  'f928abff8c7bd0c3d7262d5150e8ae258511bef9d04fca9bb7dfb230ab16b3a3', // alimony.payout-instruction/1.0.schema.json
  '69aeb195f236b62088f54e5cd597fa43fe9166e941a1c4c6c264acaed02beca6', // decision.enforcement-status/1.0.schema.json
  'b173f8e3a69d67054620e7d8a76dd2cf9fd68599f342a71c52d5364a48d98846', // decision.issued/1.0.schema.json
  '484b7d188477fc3442b2f804259f8628592924f45375c1e07c52737ca41e26ad', // detention.alert/1.0.schema.json
  '9d5656a1e0560d751d4d9a1f6c99948a5928e3a770fad188c4eb6f19e51b04b6', // notification.served/1.0.schema.json
  '6132be0715e4a9e97bad44762b5ed1409372fac16cf64d8b108c1a0f06aa2813', // traffic-fine.contested/1.0.schema.json
  '7e8e4ace84102c683d35819ff5235c932ca91d6b7f5a41b1173cfa15580d283e', // traffic-fine.issued/1.0.schema.json
  '7a91816d7bafca5d35b2e23705b65a480f95ae26db2331643f5f51a7d9de798f', // traffic-fine.paid/1.0.schema.json
  'c2f16121d2d80cd1afe8f7b6a385a45da9b9fab84eac82b9a816b0182ae14cef', // warrant.cancelled/1.0.schema.json
  '300b296a4c34dfb04b52a43ceeb31fa10195e2ae436dbff8f418d24f4dbd222a', // warrant.executed/1.0.schema.json
  '977bdb52d6b8d0ba9f7090e3f7d7fafcbabd9c300fcc1f2328fa471aeae347ee', // warrant.issued/1.0.schema.json
  'a44023d9e9694ad3b628bd6ccef8013650db79fd5f46faa1f7a1e44e18ef7ed6', // warrant.issued/1.1.schema.json
  '2e0038423c2b82b6e6d5c85ad8c9b46bb8d093ba81c7c088546e57b7d0979098', // warrant.issued/2.0.schema.json
]);

function resolve(root: JsonObject, node: unknown): JsonObject | undefined {
  let cur = node;
  for (let hops = 0; hops < 32 && isPlainObject(cur) && typeof cur.$ref === 'string'; hops++) {
    const name = cur.$ref.slice('#/$defs/'.length);
    cur = isPlainObject(root.$defs) ? root.$defs[name] : undefined;
  }
  return isPlainObject(cur) ? cur : undefined;
}

/**
 * Faults for every authoring rule the schema breaks, each pointing where it can be fixed: at the
 * `$defs` entry when a field takes its shape from one, else at the field.
 */
export function authoringFaults(doc: JsonObject): Fault[] {
  const faults: Fault[] = [];
  const seen = new Set<string>();
  const fault = (pointer: string, detail: string) => {
    if (seen.has(pointer + detail)) return;
    seen.add(pointer + detail);
    faults.push({ pointer, detail });
  };
  if (typeof doc.description !== 'string' || !/References?:/.test(doc.description)) {
    fault('/description', 'name the public references the type follows in the description ("References: NIEM j:..., ...")');
  }

  const visited = new Set<string>();
  const visit = (node: unknown, ptr: string, name: string | undefined, depth: number): void => {
    if (!isPlainObject(node) || depth > 64) return;
    if (typeof node.$ref === 'string') {
      const def = node.$ref.slice('#/$defs/'.length);
      const key = `${def}\u0000${name}`;
      if (visited.has(key)) return;
      visited.add(key);
      const target = isPlainObject(doc.$defs) ? doc.$defs[def] : undefined;
      visit(target, `/$defs/${escapePointerToken(def)}`, name, depth + 1);
      return;
    }
    if (node.type === 'number' && !(name !== undefined && NUMBER_ALLOWED.has(name))) {
      fault(ptr, `"${name ?? '(root)'}" is a binary float: money is { value: decimal string, currency }, counts are integers; only lat/lon may be numbers`);
    }
    if (name === 'ar' && node.type === 'string' && node.pattern !== ARABIC_NAME_PATTERN) {
      fault(ptr, `an Arabic-script name must carry the pattern ${ARABIC_NAME_PATTERN}`);
    }
    if (name === 'latin' && node.type === 'string' && node.pattern !== LATIN_NAME_PATTERN) {
      fault(ptr, `a Latin-script name must carry the pattern ${LATIN_NAME_PATTERN}`);
    }
    const props = isPlainObject(node.properties) ? node.properties : undefined;
    if (props && 'value' in props && 'currency' in props) {
      const value = resolve(doc, props.value) ?? {};
      const currency = resolve(doc, props.currency) ?? {};
      if (value.type !== 'string' || value.pattern !== DECIMAL_PATTERN) fault(`${ptr}/properties/value`, `an amount's value is a decimal string with the pattern ${DECIMAL_PATTERN}`);
      if (currency.type !== 'string' || currency.pattern !== CURRENCY_PATTERN) fault(`${ptr}/properties/currency`, `an amount's currency is an ISO 4217 code with the pattern ${CURRENCY_PATTERN}`);
    }
    if (props) for (const [k, v] of Object.entries(props)) visit(v, `${ptr}/properties/${escapePointerToken(k)}`, k, depth + 1);
    if ('items' in node) visit(node.items, `${ptr}/items`, name, depth + 1);
  };
  visit(doc, '', undefined, 0);
  return faults;
}

/**
 * The authoring faults of a schema about to be published. A new minor must keep every field of the
 * minor before it unchanged (compat.ts), so a fault it inherits from that minor — the same fault at
 * the same place — is not its author's to fix and is left out: the rules apply to what the minor
 * adds, and in full to the first minor of a major.
 */
export function publishFaults(doc: JsonObject, previousMinor?: JsonObject): Fault[] {
  const inherited = new Set((previousMinor ? authoringFaults(previousMinor) : []).map((f) => `${f.pointer}\u0000${f.detail}`));
  // the description is an annotation, which any minor may rewrite: it is never inherited
  return authoringFaults(doc).filter((f) => f.pointer === '/description' || !inherited.has(`${f.pointer}\u0000${f.detail}`));
}
