/** The demo's deterministic events: which sink each one must reach. */
export interface DemoEvent {
  id: string;
  kind: 'order' | 'audit' | 'alert' | 'heartbeat';
  region: string;
  customer: string;
  amount: number;
  ts: string;
}

export type DemoSink = 'orders' | 'eu-fanout' | 'audit-stream' | 'alerts' | 'filtered';

const REGIONS = ['us-east', 'eu-west', 'ap-south', 'eu-central', 'us-west'];

/** Event number `i`: 1 in 400 an alert, 1 in 40 an audit, 1 in 1000 a heartbeat (dropped by the transform). */
export function demoEvent(i: number): DemoEvent {
  const kind = i % 400 === 7 ? 'alert' : i % 40 === 3 ? 'audit' : i % 1000 === 11 ? 'heartbeat' : 'order';
  return {
    id: `e${i}`,
    kind,
    region: REGIONS[i % REGIONS.length] as string,
    customer: `c${i % 997}`,
    amount: ((i * 7919) % 100_000) / 100,
    ts: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
  };
}

/** Where the workflow must route an event (mirrors demo.tributary.json). */
export function expectedSink(event: DemoEvent): DemoSink {
  if (event.kind === 'heartbeat') return 'filtered';
  if (event.kind === 'alert') return 'alerts';
  if (event.kind === 'audit') return 'audit-stream';
  if (event.region === 'eu-west' || event.region === 'eu-central') return 'eu-fanout';
  return 'orders';
}
