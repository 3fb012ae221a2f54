import { describe, expect, it } from 'vitest';
import { jsonLogger } from '../../src/cli.js';

describe('the CLI json logger', () => {
  it('writes lines at its level and above, and says which levels it writes', () => {
    // Prepare
    const lines: string[] = [];
    const logger = jsonLogger((line) => lines.push(line), 'info');
    // Act
    logger.debug('dropped.event');
    logger.info('kept.event', { n: 1 });
    // Assess
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'info', event: 'kept.event', n: 1 });
    expect(logger.isLevelEnabled?.('debug')).toBe(false);
    expect(logger.isLevelEnabled?.('info')).toBe(true);
    expect(jsonLogger(() => {}, 'warn').isLevelEnabled?.('info')).toBe(false);
  });
});
