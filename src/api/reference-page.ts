/**
 * A self-contained HTML rendering of the OpenAPI document (no CDN, no script: hubs often run on
 * closed government networks): who may call each operation, its parameters, request body and
 * answers with their headers, each schema linked to its rendering under "Schemas", where every
 * component schema is shown property by property and as JSON; and what the hub sends institutions
 * (the document's webhooks: a delivery, and the signed receipt it wants back). Every link stays
 * inside the page.
 */
const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** the little Markdown the descriptions use: `code` and lines starting with "- " */
function prose(text: unknown): string {
  if (!text) return '';
  const inline = (s: string) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
  const out: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (list.length) out.push(`<ul>${list.map((l) => `<li>${inline(l)}</li>`).join('')}</ul>`);
    list = [];
  };
  for (const line of String(text).split('\n')) {
    if (line.startsWith('- ')) list.push(line.slice(2));
    else {
      flush();
      if (line.trim()) out.push(`<p>${inline(line)}</p>`);
    }
  }
  flush();
  return out.join('');
}

const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);
const schemaLink = (ref: string) => `<a href="#schema-${esc(refName(ref))}">${esc(refName(ref))}</a>`;

/** a schema in a few words, its component references as links */
function typeOf(s: any): string {
  if (!s || typeof s !== 'object') return 'any';
  if (s.$ref) return schemaLink(s.$ref);
  if ('const' in s) return `<code>${esc(JSON.stringify(s.const))}</code>`;
  if (s.enum) return s.enum.map((v: unknown) => `<code>${esc(JSON.stringify(v))}</code>`).join(' | ');
  if (s.oneOf || s.anyOf) return (s.oneOf ?? s.anyOf).map(typeOf).join(' | ');
  const types: string[] = [].concat(s.type ?? []);
  const parts = types.map((t) => {
    if (t === 'array') return `array of ${typeOf(s.items)}`;
    if (t === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties) return `map of ${typeOf(s.additionalProperties)}`;
    return esc(t) + (t === 'string' && s.format ? ` (${esc(s.format)})` : '');
  });
  return parts.join(' | ') || 'any';
}

/** an object schema's properties as a table; other schemas in a line */
function schemaBody(s: any): string {
  const props = s?.properties as Record<string, any> | undefined;
  if (!props) return `<p>${typeOf(s)}</p>${s?.oneOf || s?.anyOf ? '<p>one of the schemas above</p>' : ''}`;
  const required = new Set<string>(s.required ?? []);
  const rows = Object.entries(props)
    .map(([name, p]) => `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <em>required</em>' : ''}</td><td>${typeOf(p)}</td><td>${prose(p.description)}</td></tr>`)
    .join('');
  const closed = s.additionalProperties === false ? '<p class="note">No other members.</p>' : '';
  return `<table><thead><tr><th>member</th><th>type</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table>${closed}`;
}

/** a media type's schema: a link to the component, or the inline schema itself */
const mediaSchema = (s: any) => (s?.$ref ? schemaLink(s.$ref) : typeOf(s));

function resolver(doc: Record<string, any>) {
  return (node: any): any => {
    for (let i = 0; node?.$ref && i < 10; i++)
      node = node.$ref
        .slice(2)
        .split('/')
        .reduce((at: any, k: string) => at?.[k], doc);
    return node ?? {};
  };
}

function securityOf(op: any, schemes: Record<string, any>): string {
  const reqs: Array<Record<string, unknown>> = op.security ?? [];
  if (reqs.length === 0) return '<p class="sec public">Public: no signature</p>';
  const names = reqs.map((r) =>
    Object.keys(r).length === 0
      ? 'none'
      : Object.keys(r)
          .map((n) => `<a href="#security-${esc(n)}">${esc(n)}</a>`)
          .join(' and '),
  );
  const signed = reqs.every((r) => Object.keys(r).some((n) => schemes[n]?.in === 'header' && schemes[n]?.name === 'Signature'));
  return `<p class="sec ${signed ? 'signed' : 'public'}">${signed ? 'Signed' : 'Access'}: ${names.join(' or ')}</p>`;
}

export function renderReference(doc: Record<string, unknown>): string {
  const resolve = resolver(doc as Record<string, any>);
  const info = doc.info as { title: string; version: string; description: string };
  const paths = doc.paths as Record<string, Record<string, any>>;
  const components = (doc.components ?? {}) as { schemas?: Record<string, any>; securitySchemes?: Record<string, any> };
  const schemes = components.securitySchemes ?? {};
  const toc: string[] = [];
  const operation = (method: string, path: string, op: any) => {
    toc.push(`<li><a href="#${esc(op.operationId)}">${esc(method.toUpperCase())} ${esc(path)}</a></li>`);
    const params = (op.parameters ?? [])
      .map(resolve)
      .map((p: any) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''}, ${typeOf(p.schema)}) ${prose(p.description)}</li>`)
      .join('');
    const body = op.requestBody
      ? Object.entries<any>(resolve(op.requestBody).content ?? {})
          .map(([type, m]) => `<li><code>${esc(type)}</code>: ${mediaSchema(m.schema)}</li>`)
          .join('')
      : '';
    const responses = Object.entries(op.responses ?? {})
      .map(([code, r]) => {
        const res = resolve(r);
        const media = Object.entries<any>(res.content ?? {})
          .map(([type, m]) => `<code>${esc(type)}</code> ${mediaSchema(m.schema)}`)
          .join(', ');
        const headers = Object.keys(res.headers ?? {})
          .map((h) => `<code>${esc(h)}</code>`)
          .join(' ');
        return `<li><code>${esc(code)}</code> ${prose(res.description)}${media ? `<div>${media}</div>` : ''}${headers ? `<div>headers: ${headers}</div>` : ''}</li>`;
      })
      .join('');
    return `<section id="${esc(op.operationId)}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p><strong>${esc(op.summary)}</strong></p>${securityOf(op, schemes)}${prose(op.description)}
${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}${body ? `<h4>Request body</h4><ul>${body}</ul>` : ''}<h4>Responses</h4><ul>${responses}</ul></section>`;
  };
  const ops = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => operation(method, path, op)));
  const webhooks = Object.entries((doc.webhooks ?? {}) as Record<string, Record<string, any>>).flatMap(([name, methods]) =>
    Object.entries(methods).map(([method, op]) => operation(method, `${name} (sent by the hub)`, op)),
  );
  const security = Object.entries(schemes)
    .map(
      ([name, s]) =>
        `<section id="security-${esc(name)}"><h3><code>${esc(name)}</code> <small>${esc(s.type)}${s.name ? ` ${esc(s.name)} header` : ''}${s.scheme ? ` ${esc(s.scheme)}` : ''}</small></h3>${prose(s.description)}</section>`,
    )
    .join('\n');
  const linkRefs = (json: string) => json.replace(/&quot;#\/components\/schemas\/([A-Za-z0-9_.-]+)&quot;/g, (_, n) => `&quot;<a href="#schema-${n}">#/components/schemas/${n}</a>&quot;`);
  const schemas = Object.entries(components.schemas ?? {})
    .map(
      ([name, s]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${prose(s.description)}${schemaBody(s)}
<details><summary>JSON Schema</summary><pre>${linkRefs(esc(JSON.stringify(s, null, 2)))}</pre></details></section>`,
    )
    .join('\n');
  const schemaToc = Object.keys(components.schemas ?? {})
    .map((n) => `<a href="#schema-${esc(n)}">${esc(n)}</a>`)
    .join(' · ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}.m{display:inline-block;min-width:4rem;padding:.1rem .4rem;border-radius:.3rem;color:#fff;font-size:.8rem}
.get{background:#2b7}.post{background:#27b}.put{background:#b72}.delete{background:#b22}code{background:#f4f4f4;padding:0 .2rem}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}td p{margin:0}
.sec{font-size:.9rem}.signed{color:#27b}.public{color:#666}.note{color:#666;font-size:.9rem}pre{background:#f8f8f8;padding:.5rem;overflow:auto}</style></head>
<body><h1>${esc(info.title)} <small>${esc(info.version)}</small></h1>${prose(info.description)}
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
<nav><h2>Operations</h2><ul>${toc.join('')}</ul><p><a href="#authentication">Authentication</a> · <a href="#schemas">Schemas</a>: ${schemaToc}</p></nav>
<h2>Operations</h2>${ops.join('\n')}
${webhooks.length ? `<h2 id="webhooks">What the hub sends you</h2>${webhooks.join('\n')}` : ''}
<h2 id="authentication">Authentication</h2>${security}
<h2 id="schemas">Schemas</h2>${schemas}</body></html>`;
}
