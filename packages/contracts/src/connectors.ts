import { z } from 'zod';
import { said } from './said.ts';
import { ConnectionInfo, ConnectorProblem, SetupProgress } from './connection.ts';

export const connectorTypes = ['microsoft365'] as const;
export const ConnectorType = z.enum(connectorTypes);
export type ConnectorType = z.infer<typeof ConnectorType>;

/** The life of a connector, always shown in words with the time of the last change. */
export const connectorStatuses = [
  'not_connected',
  'connecting',
  'connected',
  'degraded',
  'access_lost',
] as const;
export const ConnectorStatus = z.enum(connectorStatuses);
export type ConnectorStatus = z.infer<typeof ConnectorStatus>;

export const ConnectorName = z
  .string()
  .trim()
  .min(1, { message: said('Enter a name.', 'Saisissez un nom.') })
  .max(80, { message: said('Use at most 80 characters.', 'Utilisez au plus 80 caractères.') });

export const Connector = z.object({
  id: z.uuid(),
  name: z.string(),
  type: ConnectorType,
  status: ConnectorStatus,
  statusChangedAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** How it is connected; null while `not_connected`. */
  connection: ConnectionInfo.nullable(),
  /** What is wrong (status `degraded` or `access_lost`), else null. */
  problem: ConnectorProblem.nullable(),
  /** The setup that follows a successful sign-in; null before the first connection. */
  setup: SetupProgress.nullable(),
});
export type Connector = z.infer<typeof Connector>;
export const ConnectorList = z.object({ items: z.array(Connector) });
export type ConnectorList = z.infer<typeof ConnectorList>;

export const CreateConnectorRequest = z.object({ name: ConnectorName, type: ConnectorType });
export type CreateConnectorRequest = z.infer<typeof CreateConnectorRequest>;

export const UpdateConnectorRequest = z.object({ name: ConnectorName });
export type UpdateConnectorRequest = z.infer<typeof UpdateConnectorRequest>;
