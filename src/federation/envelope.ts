/**
 * The envelope the federation exchanges: CloudEvents 1.0 structured JSON with Wasla's extension
 * attributes, and the URI that names each message schema (`dataschema`, the schema's own `$id`).
 * The hub assigns `id` (UUIDv7) and sets `source` to the authenticated sender.
 */
export interface Envelope {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  dataschema: string;
  time: string;
  datacontenttype?: string;
  subject?: string;
  /** one of CLASSIFICATIONS (classification.ts) */
  classification: string;
  casereference?: string;
  correlationid?: string;
  causationid?: string;
  /** the id the sender gave its event, if any */
  sourceeventid?: string;
  data: unknown;
}

/**
 * The envelope attributes that carry what a sender wrote (issue 19): a recipient receives those its
 * grant gives it. The others — specversion, id, source, type, dataschema, time, datacontenttype,
 * classification — say what the message is and always go.
 */
export const ENVELOPE_ATTRIBUTES = ['subject', 'casereference', 'correlationid', 'causationid', 'sourceeventid'] as const;
export type EnvelopeAttribute = (typeof ENVELOPE_ATTRIBUTES)[number];

/** where every message schema of the catalogue is named */
export const SCHEMA_URI_BASE = 'https://wasla.dev/contracts/messages/';

/** `dataschema` of a version, and the schema's own `$id`: <base><type>/<major>.<minor>.schema.json */
export function schemaUri(type: string, version: string): string {
  return `${SCHEMA_URI_BASE}${type}/${version}.schema.json`;
}

/** what a sender writes in `dataschema`, for messages that say it wrongly */
export const SCHEMA_URI_FORM = `${SCHEMA_URI_BASE}<type>/<major>.<minor>.schema.json`;

const SCHEMA_URI = /^https:\/\/wasla\.dev\/contracts\/messages\/([a-z0-9-]+(?:\.[a-z0-9-]+)+)\/(\d+\.\d+)\.schema\.json$/;

/** The type and version a schema URI names, or undefined when it is not one. */
export function parseSchemaUri(uri: string): { type: string; version: string } | undefined {
  const m = SCHEMA_URI.exec(uri);
  return m ? { type: m[1], version: m[2] } : undefined;
}
