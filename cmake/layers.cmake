# Layering the compiler enforces (DESIGN.md, "Layout").
#
# Every module library sees only its own folders and those of the libraries it
# links: its include directory is a staging folder in the build tree holding
# symlinks to just those source folders. A header of a higher layer is then not
# on the include path at all, so an upward #include is a compile error
# ("No such file or directory"), not a review comment. tests/layering/ proves it.
#
#   mfrelay_layer(TARGET <lib> ROOT <folder> FOLDERS <sub>... [PUBLIC <libs>...] [PRIVATE <libs>...])
#
# ROOT is the include prefix ("policy", "dns", "relay"); FOLDERS are the
# subfolders of ROOT the layer owns ("." for ROOT itself).
function(mfrelay_layer)
  cmake_parse_arguments(L "" "TARGET;ROOT" "FOLDERS;PUBLIC;PRIVATE" ${ARGN})
  set(stage "${PROJECT_BINARY_DIR}/layers/${L_TARGET}")
  file(REMOVE_RECURSE "${stage}")
  foreach(folder IN LISTS L_FOLDERS)
    if(folder STREQUAL ".")
      set(link "${stage}/${L_ROOT}")
      set(source "${PROJECT_SOURCE_DIR}/${L_ROOT}")
    else()
      set(link "${stage}/${L_ROOT}/${folder}")
      set(source "${PROJECT_SOURCE_DIR}/${L_ROOT}/${folder}")
    endif()
    get_filename_component(parent "${link}" DIRECTORY)
    file(MAKE_DIRECTORY "${parent}")
    file(CREATE_LINK "${source}" "${link}" SYMBOLIC)
    if(NOT folder STREQUAL ".")
      file(GLOB sources CONFIGURE_DEPENDS "${source}/*.cpp")
      target_sources(${L_TARGET} PRIVATE ${sources})
    endif()
  endforeach()
  target_include_directories(${L_TARGET} PUBLIC "${stage}")
  target_link_libraries(${L_TARGET} PUBLIC ${L_PUBLIC} PRIVATE mfrelay_warnings ${L_PRIVATE})
endfunction()
