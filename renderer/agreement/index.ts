/** The agreement dashboard and the disagreement review, for the top bar and the workspace. */
export { AgreementEntry, openAgreementDashboard, roleOf } from './AgreementEntry.tsx';
export { DisagreementPanel } from './DisagreementPanel.tsx';
export { useDisagreement, type Disagreement } from './useDisagreement.ts';
export { openReview, onReview, currentReview, type ReviewTarget } from './reviewTarget.ts';
export { useReviewMode, AGREEMENT_ORDER, type ReviewMode } from './useReviewMode.ts';
