// Workflow transform of the demo: (body, message) => body | body[] | null.
// Drops heartbeat lines (acked, counted as filtered) and enriches the rest.
export default function transform(body, message) {
  if (body.kind === 'heartbeat') return null;
  return {
    ...body,
    amountCents: Math.round(body.amount * 100),
    sourceObject: message.meta.key,
    line: message.meta.line,
  };
}
