import { FakeClock } from './fake-clock.js';
import { describeCreateManyContract } from './create-many.contract.js';
import { FakeMessageRepository } from './fakes.js';

describeCreateManyContract(FakeMessageRepository.name, { fresh: async () => new FakeMessageRepository(new FakeClock()) });
