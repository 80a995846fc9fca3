import { describeOperatorLogContract } from '@test/contract/operator-log.contract.js';
import { FakeClock } from './fake-clock.js';
import { FakeMessageRepository } from './fakes.js';

/** The operator log's contract on the in-memory fakes the unit tests use: no services needed. */
describeOperatorLogContract('in-memory fakes', async () => {
  const repository = new FakeMessageRepository(new FakeClock());
  return {
    log: repository.operatorLog,
    repository,
    seed: async (row = {}) => repository.seed(row).id,
    close: async () => undefined,
  };
});
