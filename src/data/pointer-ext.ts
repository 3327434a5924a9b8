/**
 * The pointer files' extension on its own, for code that only recognises pointer
 * files by name (the workspace walk, which the data worker loads): pointer.ts
 * brings the YAML and schema libraries with it.
 */
export const POINTER_EXT = '.mlo';
