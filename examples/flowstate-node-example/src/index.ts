import { definePlugin } from '@flowstate/sdk';
import { extractEmails } from './extract-emails.js';
import { slugify } from './slugify.js';

export { extractEmails, slugify };

/** The plugin: Flowstate loads the node types of the default export. */
export default definePlugin({ nodes: [slugify, extractEmails] });
