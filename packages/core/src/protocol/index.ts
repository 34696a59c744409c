export * from './checkUpdate.js';
export * from './constants.js';
export * from './messages.js';
export * from './sequence.js';
