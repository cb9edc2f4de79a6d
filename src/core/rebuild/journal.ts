// The decisions journal lives with the timeline it feeds (src/core/timeline/journal.ts); the rebuild loop writes it from here.
export { appendJournal, decidedRequestIds, historyCount, JournalCounts, readHistory } from '../timeline/journal';
