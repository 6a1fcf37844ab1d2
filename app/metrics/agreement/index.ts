/** Agreement between several annotators on the same images: matching, consensus, alpha, report. */
export { iou, matchPair, type ABox, type PairMatch, type PairMatchEntry } from './match.ts';
export { addCounts, countMatch, countPair, f1, imageAgreement, meanIoU, zeroCounts, type PairCounts } from './counts.ts';
export { clusters, consensusMerge, defaultQuorum, type ClusterMember, type ConsensusBox } from './consensus.ts';
export { krippendorffAlphaNominal, NominalCoincidence } from './alpha.ts';
export { AgreementAccumulator, type AgreementPart, type AgreementReport, type ImageAgreement, type ImageRow, type PairAgreement } from './report.ts';
