// Must NOT compile: the state layer (spool/, state/) reaching up into server/.
// tests/CMakeLists.txt builds it on demand and expects the compiler to say the
// header does not exist, which is how cmake/layers.cmake enforces DESIGN.md's layering.
#include "relay/server/smtp_session.hpp"

int layering_probe_upward();
