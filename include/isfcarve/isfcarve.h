/* SPDX-License-Identifier: MIT */
/* Umbrella header of libisfcarve: a Linux memory image (or BTF + symbols) in, a Volatility 3 ISF out. */
#ifndef ISFCARVE_ISFCARVE_H
#define ISFCARVE_ISFCARVE_H

#include "isfcarve/common.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"
#include "isfcarve/carver.h"

#endif
