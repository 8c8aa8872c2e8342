import { AppError } from '../errors';

/**
 * The seam where budgets will hold: before a job starts, its worst-case cost
 * (max runtime × resources × price) is reserved against the team's budget, and
 * released or settled when it ends. Organizations have no budgets until the
 * budgets capability configures them, so the default guard admits every job;
 * the training workflow already stops with BUDGET_EXCEEDED when a guard refuses.
 */
export interface BudgetRequest {
  orgId: string;
  teamId: string;
  projectId: string;
  jobId: string;
  estimateMicros: number;
}

export interface BudgetGuard {
  /** Reserves the estimate, or throws AppError('BUDGET_EXCEEDED'). Idempotent per job. */
  reserve(req: BudgetRequest): Promise<void>;
  /** Replaces the reservation with the measured cost. Idempotent per job. */
  settle(req: BudgetRequest & { actualMicros: number }): Promise<void>;
}

export const noBudgets: BudgetGuard = {
  async reserve() {},
  async settle() {},
};

export const budgetExceeded = (message: string) => new AppError('BUDGET_EXCEEDED', message);
