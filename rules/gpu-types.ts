/**
 * GPU types name the value of a node label (`nvidia.com/gpu.product` by default), so they follow
 * Kubernetes' label-value rule. Plain functions, so browser forms check with the server's rule
 * without zod.
 */

export const GPU_TYPE_MAX_LENGTH = 63;
export const GPU_TYPE_RE = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
export const GPU_TYPE_MESSAGE = 'GPU type must be a Kubernetes label value (letters, digits, ".", "_", "-")';

/** Why `type` (already trimmed) cannot name a GPU type; undefined when it can. */
export function gpuTypeProblem(type: string): string | undefined {
  if (!type) return 'GPU type is required';
  if (type.length > GPU_TYPE_MAX_LENGTH) return `GPU type must be at most ${GPU_TYPE_MAX_LENGTH} characters`;
  if (!GPU_TYPE_RE.test(type)) return GPU_TYPE_MESSAGE;
  return undefined;
}
