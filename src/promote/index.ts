/**
 * Promotion: move an alias to a model version only when the gates configured for it in
 * mlo.yaml (`promotion: <alias>: gates:`) pass, recording every decision in the alias
 * audit. Rollback is in the registry (`rollbackAlias`).
 */
export { promote, type PromoteOptions, type PromoteResult, type EvaluationUse } from './promote.js';
export {
  loadPromotionConfig,
  parsePromotionConfig,
  promotionSchema,
  type AliasPolicy,
  type PromotionConfig,
} from './config.js';
