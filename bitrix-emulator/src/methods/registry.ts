import { activityMethods } from './activities';
import { contactMethods } from './contacts';
import { dealMethods } from './deals';
import { diskMethods } from './files';
import { statusMethods } from './statuses';
import { timelineCommentMethods } from './timeline-comments';
import { MethodTable } from './types';
import { userMethods } from './users';

/** Every REST method the emulator implements, keyed by lower-case name. */
export const METHODS: MethodTable = Object.fromEntries(
  Object.entries({
    ...dealMethods,
    ...contactMethods,
    ...timelineCommentMethods,
    ...activityMethods,
    ...diskMethods,
    ...userMethods,
    ...statusMethods,
  }).map(([name, handler]) => [name.toLowerCase(), handler]),
);
