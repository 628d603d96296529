#include <stdlib.h>
#include <math.h>
__attribute__((export_name("probe"))) double probe(int n) { double *a = malloc(n * sizeof(double)); double s = 0; for (int i = 0; i < n; i++) { a[i] = sqrt((double)i); s += a[i]; } free(a); return s; }
