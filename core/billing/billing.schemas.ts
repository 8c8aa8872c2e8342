import { z } from 'zod';
import { PAID_PLANS } from '../../rules/billing';

export const startCheckoutInput = z.object({
  plan: z.enum(PAID_PLANS, { message: `Choose a plan to subscribe to: ${PAID_PLANS.join(' or ')}` }),
});
