/** Every migration, oldest first. A landed migration is never edited: add a new one. */
import { CreateMessages1795326000000 } from './1795326000000-create-messages.js';
import { DeliveryGuarantees1795333000000 } from './1795333000000-delivery-guarantees.js';

export const MIGRATIONS = [CreateMessages1795326000000, DeliveryGuarantees1795333000000];
