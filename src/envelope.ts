/**
 * The envelope the hub stores and forwards: CloudEvents 1.0 structured JSON with Wasla's extension
 * attributes. The hub assigns `id` (UUIDv7) and sets `source` to the authenticated sender.
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
  classification: string;
  casereference?: string;
  correlationid?: string;
  causationid?: string;
  /** the id the sender gave its event, if any */
  sourceeventid?: string;
  data: unknown;
}

/** `dataschema` of a version: the schema's own `$id` */
export function schemaUri(type: string, version: string): string {
  return `https://wasla.dev/contracts/messages/${type}/${version}.schema.json`;
}
