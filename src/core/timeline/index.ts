export { appendTimeline, readTimeline, recordFork, timelinePath } from './timeline';
export { isNewTurn, noteTimeline } from './note-timeline';
export { timelineJsonLines, timelineOcsf } from './timeline-export';
export { writeTimelineFile } from './timeline-file';
