import { z } from 'zod';
import { ALERT_COMPARATORS, ALERT_METRICS, alertRuleProblem } from '../../rules/monitoring/alert-rules';
import { idSchema } from '../validation';

export const deploymentIdInput = z.object({ deploymentId: idSchema('Deployment ID') });

export const setDriftMonitorInput = z.object({
  deploymentId: idSchema('Deployment ID'),
  enabled: z.boolean(),
  intervalMinutes: z.number().int().min(1, 'The interval is 1 to 60 minutes').max(60, 'The interval is 1 to 60 minutes').default(5),
  windowMinutes: z.number().int().min(5, 'The window is 5 minutes to 7 days').max(7 * 24 * 60, 'The window is 5 minutes to 7 days').default(60),
  baselineSamples: z.number().int().min(50, 'A live baseline needs 50 to 10,000 sampled requests').max(10_000, 'A live baseline needs 50 to 10,000 sampled requests').default(200),
});

const ruleFields = {
  name: z.string().trim().min(1, 'A rule needs a name').max(100, 'A rule name is at most 100 characters'),
  metric: z.enum(ALERT_METRICS, { message: `The metric must be one of ${ALERT_METRICS.join(', ')}` }),
  feature: z.string().trim().max(200).nullish(),
  comparator: z.enum(ALERT_COMPARATORS).default('above'),
  threshold: z.number({ message: 'The threshold must be a number' }).finite('The threshold must be a number'),
  windowMinutes: z.number().int().default(60),
  cooldownMinutes: z.number().int().default(60),
  enabled: z.boolean().default(true),
  retrainingPolicyId: idSchema('Retraining policy ID').nullish(),
};

const checked = <T extends { name: string; metric: string; feature?: string | null; threshold: number; windowMinutes: number; cooldownMinutes: number }>(r: T, ctx: z.RefinementCtx) => {
  const problem = alertRuleProblem(r);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [] });
};

export const createAlertRuleInput = z.object({ deploymentId: idSchema('Deployment ID'), ...ruleFields }).superRefine(checked);
export const updateAlertRuleInput = z.object({ ruleId: idSchema('Alert rule ID'), ...ruleFields }).superRefine(checked);
export const ruleIdInput = z.object({ ruleId: idSchema('Alert rule ID') });
export const setAlertStatusInput = z.object({ alertId: idSchema('Alert ID'), status: z.enum(['acknowledged', 'resolved']) });
export const listAlertsInput = z.object({ deploymentId: idSchema('Deployment ID').nullish(), includeResolved: z.boolean().default(false) });
export const markNotificationsReadInput = z.object({ ids: z.array(idSchema('Notification ID')).max(500).nullish() });
export const createWebhookEndpointInput = z.object({
  url: z
    .string()
    .trim()
    .max(2000, 'A URL is at most 2000 characters')
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'Enter an http or https URL'),
  description: z.string().trim().max(500).default(''),
});
export const endpointIdInput = z.object({ endpointId: idSchema('Webhook endpoint ID') });
