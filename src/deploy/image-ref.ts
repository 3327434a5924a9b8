/** Image references the generated files may name: pinned, and safe on one Dockerfile or YAML line. */
import { MloError } from '../errors.js';

/** An image reference pinned to an exact tag or a digest (never `latest`, never bare). */
export function checkPinnedImage(flag: string, image: string): string {
  const ok =
    /^[A-Za-z0-9][A-Za-z0-9._/-]*(:[0-9]+)?(\/[A-Za-z0-9._-]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[0-9a-f]{64})?$/;
  const lastSegment = image.split('@')[0].split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : null;
  const digest = image.includes('@sha256:');
  if (!ok.test(image) || (tag === null && !digest) || tag === 'latest') {
    throw new MloError('USAGE', `${flag} ${image}: not a pinned image reference`, {
      hint: 'give an exact tag (registry/churn:3, node:20.19.5-bookworm-slim) or a digest (IMAGE@sha256:...)',
    });
  }
  return image;
}
