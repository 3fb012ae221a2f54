import { describe, expect, it } from 'vitest';
import { planEmulators } from '../../src/internal/embedded.js';

describe('planEmulators', () => {
  it('puts S3, SQS, SNS and STS on fauxqs and Kinesis on kinesis-local', () => {
    // Act
    const plan = planEmulators(['s3', 'sqs', 'sns', 'kinesis', 'sts'], {
      allOnMoto: false,
      stsAssumeRole: false,
    });
    // Assess
    expect(Object.fromEntries(plan)).toEqual({
      s3: 'fauxqs',
      sqs: 'fauxqs',
      sns: 'fauxqs',
      kinesis: 'kinesis-local',
      sts: 'fauxqs',
    });
  });

  it('serves STS from moto when moto runs anyway or AssumeRole is needed', () => {
    // Act
    const withIam = planEmulators(['iam', 'sts'], { allOnMoto: false, stsAssumeRole: false });
    const assumeRole = planEmulators(['sqs', 'sts'], { allOnMoto: false, stsAssumeRole: true });
    // Assess
    expect(Object.fromEntries(withIam)).toEqual({ iam: 'moto', sts: 'moto' });
    expect(Object.fromEntries(assumeRole)).toEqual({ sqs: 'fauxqs', sts: 'moto' });
  });

  it('keeps SQS and SNS with EventBridge on moto, so rules can deliver to queues', () => {
    // Act
    const plan = planEmulators(['eventbridge', 'sqs', 'sns', 's3', 'sts'], {
      allOnMoto: false,
      stsAssumeRole: false,
    });
    // Assess
    expect(Object.fromEntries(plan)).toEqual({
      eventbridge: 'moto',
      sqs: 'moto',
      sns: 'moto',
      s3: 'fauxqs',
      sts: 'moto',
    });
  });

  it('puts everything on moto when asked', () => {
    // Act
    const plan = planEmulators(['s3', 'kinesis', 'sts'], { allOnMoto: true, stsAssumeRole: false });
    // Assess
    expect(new Set(plan.values())).toEqual(new Set(['moto']));
    expect(plan.size).toBe(3);
  });
});
