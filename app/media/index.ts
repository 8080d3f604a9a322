// Media: ffmpeg-based export and live-preview encoding with embedded generation settings.
export { MediaError, type MediaErrorCode } from './errors.js';
export { locate as locateTool, resetLocateCache, type Located, type Tool } from './ffmpeg-path.js';
export { encodeVideo, formatFromPath, validateFrames, type EncodeOptions, type EncodeResult, type ExportFormat, type RawVideo } from './encode.js';
export { encodePreviewClip, type PreviewClipOptions } from './preview.js';
export { readSettings, settingsComment, parseSettingsComment } from './metadata.js';
export { probe, type ProbeInfo } from './probe.js';
