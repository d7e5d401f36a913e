// Personalised content: the Liquid templates of a message's text (or of its WhatsApp/RCS template
// parameters), checked once when a campaign or send is accepted, rendered per recipient.
import { invalid } from '../core/errors.js';
import { isTemplate, parseTemplate, renderTemplate, variablesOver, type ParsedTemplate, type TemplateVariables } from '../core/template.js';
import { composeMessage, MAX_BODY_CHARS, type Composed } from './messages.js';

/** The parsed templates of one message's content; null when nothing in it is a template. */
export interface ContentTemplates {
  text: ParsedTemplate | null;
  parameters: [name: string, template: ParsedTemplate][];
}

/** Longest rendered template parameter (as the content schema allows a parameter). */
const MAX_PARAMETER_CHARS = 1024;

/** Parses a text as a template, or fails with a 400 naming the field and the error's position. */
export function parseField(source: string, field: string): ParsedTemplate {
  const parsed = parseTemplate(source);
  if (!parsed.ok) {
    const e = parsed.error;
    throw invalid('invalid_template', `${field} is not a valid template: ${e.message} (line ${e.line}, column ${e.column})`, field);
  }
  return parsed.template;
}

/**
 * The templates of composed content, or null for content without any. `textField` is the field
 * the text came in (`body`, `template`, `content.text`) so errors name it.
 */
export function contentTemplates(composed: Composed, textField: string): ContentTemplates | null {
  const c = composed.content;
  const text = c ? (c.type === 'text' ? c.text : null) : composed.body;
  const parameters: ContentTemplates['parameters'] = [];
  if (c?.type === 'template') {
    for (const [name, value] of Object.entries(c.parameters ?? {})) {
      if (isTemplate(value)) parameters.push([name, parseField(value, `content.parameters.${name}`)]);
    }
  }
  const parsedText = text !== null && isTemplate(text) ? parseField(text, textField) : null;
  return parsedText || parameters.length ? { text: parsedText, parameters } : null;
}

export type Personalised = { ok: true; composed: Composed; missing: string[] } | { ok: false; error: string };

/** The content rendered for one recipient, its parts counted on the rendered text. */
export function personalise(composed: Composed, templates: ContentTemplates, vars: TemplateVariables): Personalised {
  const missing: string[] = [];
  let text: string | null = null;
  if (templates.text) {
    const r = renderTemplate(templates.text, vars, { maxChars: MAX_BODY_CHARS, timeMs: 50, memory: 100_000 });
    if (!r.ok) return r;
    text = r.text;
    missing.push(...r.missing);
  }
  const parameters: Record<string, string> = {};
  for (const [name, t] of templates.parameters) {
    const r = renderTemplate(t, vars, { maxChars: MAX_PARAMETER_CHARS, timeMs: 50, memory: 100_000 });
    if (!r.ok) return { ok: false, error: `content.parameters.${name}: ${r.error}` };
    parameters[name] = r.text;
    missing.push(...r.missing);
  }
  const c = composed.content;
  try {
    let next: Composed;
    if (!c) next = composeMessage({ channel: composed.channel, body: text ?? composed.body, media_urls: composed.media });
    else if (c.type === 'text') next = composeMessage({ channel: composed.channel, content: { type: 'text', text: text ?? c.text } });
    else if (c.type === 'template') next = { ...composed, content: { ...c, parameters: { ...c.parameters, ...parameters } } };
    else next = composed;
    return { ok: true, composed: next, missing: [...new Set(missing)] };
  } catch (err) {
    // An empty rendered text, say: the recipient gets nothing rather than a blank message.
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The variables of a customer profile as stored (attributes as JSON), with a send's data. */
export function profileVariables(customer: { customer_id: string; phone: string | null; attributes: string } | null, data?: Record<string, unknown>): TemplateVariables {
  return variablesOver(customer && (JSON.parse(customer.attributes) as Record<string, unknown>), customer, data);
}
