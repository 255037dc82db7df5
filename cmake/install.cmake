# cmake/install.cmake - what `cmake --install BUILD --prefix P` puts where,
# and the Debian package CPack makes of the same files.  Included by the
# top-level CMakeLists.txt after every target is defined.
#
#   bin/                      mr-run, mr-mapper, mr-reducer, mr-keygen, mr-stream,
#                             mr-streaming (Hadoop Streaming's command line on mr-run)
#                             (side by side: mr-run runs mr-mapper and mr-reducer
#                             from its own directory, found through /proc/self/exe)
#   include/mr.h              the plugin API
#   share/pkgconfig/mr.pc     pkg-config --cflags mr (arch-independent: no library)
#   share/man/man1, man7      mr-run(1), mr-mapper(1), mr-stream(1), mr-streaming(1), mr-keygen(1),
#                             mr-plugin(7), from docs/man/
#   lib/mr/examples/          the example plugins, built
#   share/mr/examples/        their sources and genesis.txt, the demo's text
#   share/doc/mr/             README.md and docs/*.md
#
# scripts/it_install.sh installs into a scratch prefix, builds a plugin out
# of tree with pkg-config, runs the demo from the installed files and checks
# the .deb.
include(GNUInstallDirs)

# One version.  The project's (CMakeLists.txt) names the package and mr.pc;
# mr.h's MR_VERSION_* are what a plugin sees: they must agree.
file(STRINGS ${PROJECT_SOURCE_DIR}/include/mr.h mr_h_lines
  REGEX "^#define MR_(VERSION_MAJOR|VERSION_MINOR|VERSION_PATCH|ABI_VERSION) [0-9]+$")
foreach(line IN LISTS mr_h_lines)
  string(REGEX REPLACE "^#define (MR_[A-Z_]+) ([0-9]+)$" "\\1;\\2" pair "${line}")
  list(GET pair 0 name)
  list(GET pair 1 value)
  set(${name} ${value})
endforeach()
set(mr_h_version "${MR_VERSION_MAJOR}.${MR_VERSION_MINOR}.${MR_VERSION_PATCH}")
if(NOT mr_h_version STREQUAL PROJECT_VERSION OR NOT MR_ABI_VERSION)
  message(FATAL_ERROR "mr: include/mr.h says version ${mr_h_version} (ABI '${MR_ABI_VERSION}'), "
    "CMakeLists.txt says ${PROJECT_VERSION}: make them agree")
endif()

install(TARGETS mr-run mr-mapper mr-reducer mr-keygen mr-stream mr-streaming
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES include/mr.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES docs/man/mr-run.1 docs/man/mr-mapper.1 docs/man/mr-stream.1
  docs/man/mr-streaming.1 docs/man/mr-keygen.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES docs/man/mr-plugin.7 DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)
install(TARGETS wordcount upper grep crash
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/mr/examples)
install(FILES examples/wordcount.c examples/upper.c examples/grep.c examples/crash.c
  examples/data/genesis.txt DESTINATION ${CMAKE_INSTALL_DATADIR}/mr/examples)
install(FILES README.md docs/plugins.md docs/cluster.md docs/architecture.md
  docs/performance.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# mr.pc names the prefix the files are installed under, which is known only
# at install time (`cmake --install --prefix P`, or /usr in CPack's staging
# tree), so it is written then, from cmake/mr.pc.in.  The values fixed now
# go into the install script as bracket arguments, which it takes verbatim
# (includedir keeps pkg-config's own ${prefix}).
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(mr_pc_includedir "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(mr_pc_includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
install(CODE "
  set(PROJECT_VERSION [[${PROJECT_VERSION}]])
  set(MR_ABI_VERSION [[${MR_ABI_VERSION}]])
  set(MR_PC_INCLUDEDIR [[${mr_pc_includedir}]])
  set(MR_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(mr_pc \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/pkgconfig/mr.pc\")
  message(STATUS \"Installing: \${mr_pc}\")
  configure_file([[${PROJECT_SOURCE_DIR}/cmake/mr.pc.in]] \"\${mr_pc}\" @ONLY)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${mr_pc}\")
")

# The Debian package: `cpack --config BUILD/CPackConfig.cmake` makes
# mr-mapreduce_VERSION_ARCH.deb.  Its Depends come from dpkg-shlibdeps, which
# reads the libraries the binaries really link (on Debian 12: libc6,
# libmsgpackc2, libsodium23, libzmq5, zlib1g; a sanitizer build adds libasan8 and
# libubsan1), so the list cannot go stale.
# The package is mr-mapreduce, not mr: in Debian, myrepos Provides and
# Replaces "mr" (its old name), so `apt install mr` means myrepos.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mr-mapreduce)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MapReduce on one machine, in C, with processes")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(MR_PACKAGE_MAINTAINER "mr maintainers <mr@localhost>" CACHE STRING
  "The Maintainer field of the .deb")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${MR_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The extended description, below the summary line.
set(CPACK_PACKAGE_DESCRIPTION
  "mr runs C map, combine and reduce plugins over big inputs in parallel
mapper processes that talk over ZeroMQ, and reassembles the results in
input order or grouped by key; a mapper that dies loses nothing. With
mr-run, mr-mapper (remote workers), mr-stream (Hadoop Streaming),
mr-keygen, the plugin header mr.h and its pkg-config file, man pages and
example plugins.")
# Installed binaries carry no debug information (Debian's policy).
set(CPACK_STRIP_FILES ON)
include(CPack)
