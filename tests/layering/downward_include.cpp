// Must compile: the same probe as upward_include.cpp, including a lower layer
// (common/) from the state layer, so a failure of the other probe means
// "upward", not "broken probe".
#include "relay/common/unique_fd.hpp"

int layering_probe_downward() { return mfrelay::relay::unique_fd().get(); }
