# SPDX-License-Identifier: MIT
# isfcarve.pc for the shared library: generated from isfcarve.pc.in, installed to LIBDIR/pkgconfig.
# The prefix is written relative to the .pc file (${pcfiledir}) so `cmake --install --prefix X`
# yields a working file wherever X is. Absolute LIBDIR/INCLUDEDIR are not supported (say so).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(WARNING "isfcarve.pc: absolute CMAKE_INSTALL_LIBDIR/INCLUDEDIR; pkg-config file not installed")
else()
  file(RELATIVE_PATH IC_PC_PREFIX_REL "/ic_prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/ic_prefix")
  string(REGEX REPLACE "/$" "" IC_PC_PREFIX_REL "${IC_PC_PREFIX_REL}")
  configure_file(${CMAKE_SOURCE_DIR}/isfcarve.pc.in ${CMAKE_BINARY_DIR}/isfcarve.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/isfcarve.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
