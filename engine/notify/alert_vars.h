// The template variables of an alert (MessageTemplate::variables()), as text.
#pragma once

#include "alert/alert.h"
#include "notify/template.h"

namespace klaxon {

TemplateVars alert_vars(const Alert& alert);

}  // namespace klaxon
