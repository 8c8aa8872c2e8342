import { describe, expect, it } from 'vitest';
import { gpuTypeSchema } from './job-spec';
import { gpuTypeProblem } from './gpu-types';

describe('GPU types', () => {
  it.each(['nvidia-a100', 'NVIDIA-A100-SXM4-80GB', 't4', 'a.b_c-d', 'x'])('accepts %s, as the job spec does', (type) => {
    expect(gpuTypeProblem(type)).toBeUndefined();
    expect(gpuTypeSchema.safeParse(type).success).toBe(true);
  });

  it.each(['-a100', 'a100-', 'a100 sxm', 'a/b', 'ü', 'x'.repeat(64)])('refuses %s, as the job spec does', (type) => {
    expect(gpuTypeProblem(type)).toBeDefined();
    expect(gpuTypeSchema.safeParse(type).success).toBe(false);
  });
});
