# Build-time provenance written into every output file: git revision, build type, ISA,
# compiler and library versions. The git revision is read at configure time and again
# at every build (so a rebuild after a commit records the new revision).
set(CHIPSIM_PROVENANCE_IN  ${CMAKE_CURRENT_LIST_DIR}/build_info.cpp.in)
set(CHIPSIM_PROVENANCE_OUT ${CMAKE_BINARY_DIR}/generated/build_info.cpp)
add_custom_target(chipsim_git_revision
  COMMAND ${CMAKE_COMMAND}
          -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
          -DIN=${CHIPSIM_PROVENANCE_IN} -DOUT=${CHIPSIM_PROVENANCE_OUT}
          -DVERSION=${PROJECT_VERSION}
          -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
          -DARCH=${CHIPSIM_ARCH}
          -DCOMPILER=${CMAKE_CXX_COMPILER_ID}-${CMAKE_CXX_COMPILER_VERSION}
          -DHDF5_VERSION=${HDF5_VERSION}
          -DEIGEN_VERSION=${Eigen3_VERSION}
          -DTBB_VERSION=${TBB_VERSION}
          -DTOML_VERSION=${tomlplusplus_VERSION}
          -P ${CMAKE_CURRENT_LIST_DIR}/WriteBuildInfo.cmake
  BYPRODUCTS ${CHIPSIM_PROVENANCE_OUT}
  COMMENT "Recording git revision for provenance")
