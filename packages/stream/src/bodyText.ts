/**
 * A message body as the text a message service (SQS, SNS) carries: a string as is, any other body as its JSON
 * document. Throws a TypeError for a body without JSON form (`undefined`, a function, a symbol); the writer
 * rejects that write alone (`PREPARE_FAILED`).
 * @example
 * ```ts
 * bodyText('{"already":"json"}'); // '{"already":"json"}'
 * bodyText({ a: [1, 'ü'] }); // '{"a":[1,"ü"]}'
 * ```
 */
export function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  const encoded = JSON.stringify(body);
  if (encoded === undefined) throw new TypeError(`a body of type ${typeof body} has no JSON form`);
  return encoded;
}
