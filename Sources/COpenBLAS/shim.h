// cblas from Debian's libopenblas-dev, plus the thread-count controls deterministic runs pin.
#include <cblas.h>
