# Packaging: the Debian package CPack builds (docs/packaging.md).
#
# Included at the end of CMakeLists.txt, whose rules install what a user
# needs: bin/tlsaudit and share/man/man1/*.1 (every page of docs/man).  The
# profiles are compiled into the binary (cmake/embed.cmake), so no profile
# file is installed; `--profile-file FILE` reads a user's own file.
#
# scripts/package.sh DIR builds the .deb (a Release build of its own);
# `cpack` in a build dir does the same there.  Depends come from
# dpkg-shlibdeps (dpkg-dev, with file(1)): the Debian packages of the
# shared libraries the binary links, with their minimum versions.
#
# Run by CPack (CPACK_PRE_BUILD_SCRIPTS) on the staging tree, before the
# package is made: the man pages are gzipped there, as Debian policy asks
# (12.3), so the .deb holds .1.gz while `cmake --install` keeps plain .1.
if(DEFINED CPACK_TEMPORARY_DIRECTORY)
  find_program(TA_GZIP gzip REQUIRED)
  file(GLOB_RECURSE pages LIST_DIRECTORIES false "${CPACK_TEMPORARY_DIRECTORY}/*/share/man/*.1")
  foreach(page IN LISTS pages)
    file(REMOVE "${page}.gz")
    execute_process(COMMAND ${TA_GZIP} -9n "${page}" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "gzip ${page} failed: ${rc}")
    endif()
  endforeach()
  return()
endif()

# No build path in the binary: OpenSSL's allocation macros put __FILE__ in
# it, so __FILE__ is made relative to the source tree (src/cert/dane.c).
get_property(ta_targets DIRECTORY ${PROJECT_SOURCE_DIR} PROPERTY BUILDSYSTEM_TARGETS)
foreach(t IN LISTS ta_targets)
  get_target_property(type ${t} TYPE)
  if(type MATCHES "^(STATIC_LIBRARY|EXECUTABLE)$")
    target_compile_options(${t} PRIVATE -fmacro-prefix-map=${PROJECT_SOURCE_DIR}/=)
  endif()
endforeach()

set(TA_PACKAGE_MAINTAINER "tlsaudit maintainers <maintainers@tlsaudit.invalid>"
    CACHE STRING "Maintainer field of the Debian package: Name <address>")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tlsaudit)
set(CPACK_PACKAGE_VENDOR tlsaudit)
set(CPACK_PACKAGE_CONTACT "${TA_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "TLS configuration auditor")
# the extended description, lines under 80 columns (CPack indents them)
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "tlsaudit finds what a TLS server offers in few connections: every protocol"
  "version from SSLv2 to TLS 1.3, every cipher suite of the IANA registry, the"
  "server's preference order, key-exchange groups, DH parameters, signature"
  "schemes, certificates and handshake features. It judges each server against"
  "published profiles (HKCERT, NCSC UK, Mozilla, NCSC-NL, BSI TR-02102-2, NIST"
  "SP 800-52r2), speaks STARTTLS for mail, directory and database protocols,"
  "audits mail domains (MTA-STS, TLS-RPT, DANE) and keeps runs in a SQLite"
  "store.")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_FILE})

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # tlsaudit_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TA_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# chains are verified against the system's trust store (OpenSSL's default paths)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS ca-certificates)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

# `make package_source`: the tree without git and build directories
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/[.]git/" "/build[^/]*/" "/__pycache__/")

include(CPack)
