// Registers the aws-sdk-client-mock matchers (toHaveReceivedCommandWith, ...) and their types once.
import 'aws-sdk-client-mock-vitest/extend';
