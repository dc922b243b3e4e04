export * from './image-map.ts';
export * from './runner.ts';
