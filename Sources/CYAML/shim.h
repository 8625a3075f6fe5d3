/// libyaml's event API (yaml_parser_parse); Swift reads yaml_event_t's union fields directly.
#include <yaml.h>
