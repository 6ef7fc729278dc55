// org.berth1.Container properties of the workflow: autostart.
#include "daemon/container_object.h"

namespace berth::daemon {

bool ContainerObject::Autostart() { return current().spec.autostart; }
int32_t ContainerObject::AutostartOrder() { return current().spec.autostart_order; }
uint32_t ContainerObject::AutostartDelay() { return current().spec.autostart_delay; }

}  // namespace berth::daemon
