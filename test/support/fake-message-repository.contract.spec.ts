import { describeMessageRepositoryContract } from '@test/contract/message-repository.contract.js';
import { FakeClock } from './fake-clock.js';
import { FakeMessageRepository } from './fakes.js';

/** The repository's contract on the in-memory fake the unit tests use: no services needed. */
describeMessageRepositoryContract(FakeMessageRepository.name, async () => {
  const fake = new FakeMessageRepository(new FakeClock());
  return {
    repository: fake,
    seed: async (row = {}) => fake.seed(row).id,
    stored: async (id) => fake.stored(id),
    close: async () => undefined,
  };
});
