/**
 * Delivery endpoints from the environment. An institution file may write `${VAR}` or
 * `${VAR:-default}` inside its endpoint; and `WASLA_ENDPOINT_<ID>` (the id upper-cased, dots and
 * dashes as underscores) replaces an institution's deliveries URL entirely, so tests and the demo
 * can point any institution at a receiver on 127.0.0.1 without editing the contract set.
 */

export type Env = Record<string, string | undefined>;

/** `ps.sjd.family-court.ramallah` -> `WASLA_ENDPOINT_PS_SJD_FAMILY_COURT_RAMALLAH` */
export function endpointEnvVar(institutionId: string): string {
  return 'WASLA_ENDPOINT_' + institutionId.replace(/[.-]/g, '_').toUpperCase();
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Resolve placeholders and the override; `error` names what is missing or wrong. */
export function resolveEndpoint(institutionId: string, raw: string, env: Env): { url?: string; error?: string } {
  const overrideVar = endpointEnvVar(institutionId);
  const override = env[overrideVar];
  let url: string;
  let origin: string;
  if (override !== undefined && override !== '') {
    url = override;
    origin = `${overrideVar}=${override}`;
  } else {
    const missing: string[] = [];
    url = raw.replace(PLACEHOLDER, (_m, name: string, dflt: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (dflt !== undefined) return dflt;
      missing.push(name);
      return '';
    });
    if (missing.length > 0) {
      return { error: `environment variable ${missing.join(', ')} is not set (or set ${overrideVar})` };
    }
    origin = raw === url ? url : `${raw} -> ${url}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: `not a URL: ${origin}` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { error: `deliveries must be http or https: ${origin}` };
  }
  return { url };
}
