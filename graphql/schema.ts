import { builder } from './builder';
import './types/enums';
import './types/user';
import './types/organization';
import './types/viewer';
import './types/member';
import './types/team';
import './types/project';
import './types/invitation';
import './types/api-key';
import './types/audit';
import './types/tracking';
import './types/artifact';
import './types/registry';

export const schema = builder.toSchema({ sortSchema: true });
