/** XML: the hostile-XML reader, the writer, declared structures, and mappings as data. */
export { readXml, DEFAULT_XML_LIMITS, type XmlReadLimits } from './reader.js';
export { writeXml, type XmlWriteOptions } from './writer.js';
export { checkStructure, type DeclaredElement, type DeclaredAttribute, type TextFormat } from './structure.js';
export { element, attribute, childrenNamed, type XmlDocument, type XmlElement, type XmlAttribute } from './tree.js';
export { toXml, fromXml, structureOf, ENVELOPE_FIELDS, type CanonicalMessage, type Mapping, type MappingNode, type EnvelopeField } from './mapping.js';
export { loadMapping, checkMapping, fileCatalogue, MAPPINGS_DIR, type CatalogueSchemas } from './mapping-check.js';
export { mappingSet, NO_MAPPINGS, type LoadedMapping, type MappingSet } from './mapping-set.js';
