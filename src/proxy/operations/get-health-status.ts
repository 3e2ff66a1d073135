import type { HealthIdentity } from '../config/load-config.js';
import type { EkmHealthStatus, GetHealthStatusResponse } from '../../xks/wire-types.js';

/** spec A7: every field present; fleet details from the configuration, health from the key manager's state. */
export function getHealthStatus(identity: HealthIdentity, ekmHealth: EkmHealthStatus): GetHealthStatusResponse {
  return {
    xksProxyFleetSize: identity.xksProxyFleetSize,
    xksProxyVendor: identity.xksProxyVendor,
    xksProxyModel: identity.xksProxyModel,
    ekmVendor: identity.ekmVendor,
    ekmFleetDetails: identity.ekmFleetDetails.map((d) => ({ id: d.id, model: d.model, healthStatus: ekmHealth })),
  };
}
