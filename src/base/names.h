// Validation of the names callers give to containers, images and other objects.
#pragma once

#include <string_view>

#include "base/error.h"

namespace berth {

// A name is [a-zA-Z0-9][a-zA-Z0-9_.-]{0,62} and never contains "..". `what` names the object in the message
// ("container name", "image name").
Result<> validate_name(std::string_view name, std::string_view what);

// The form of a name used in D-Bus object paths: every byte outside [A-Za-z0-9] becomes _XX (hex), as sd-bus does.
std::string escape_object_path_label(std::string_view name);

}  // namespace berth
