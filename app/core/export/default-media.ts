// The product's MediaPort: app/media's ffmpeg encoders and metadata reader.
import { encodePreviewClip, encodeVideo, readSettings } from '../../media/index.js';
import type { MediaPort } from './media-port.js';

export const defaultMedia: MediaPort = { encodeVideo, encodePreviewClip, readSettings };
