/** The evaluation dashboard and its way into the workspace, for the top bar and the workspace. */
export { EvaluationEntry, openEvaluationDashboard } from './EvaluationEntry.tsx';
export { CompareLegend, EvaluationFocusBar } from './EvaluationFocusBar.tsx';
export { useEvaluationFocus, type EvaluationFocus } from './useEvaluationFocus.ts';
import './evaluation.css';
