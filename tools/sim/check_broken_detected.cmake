# Runs strata-sim-broken (the core with the figure-8 commit rule broken) and
# passes only if the simulation notices: a non-zero exit and a summary line
# with violations > 0.
#   cmake -DSIM=<strata-sim-broken> -DSEEDS=<n> -P check_broken_detected.cmake
execute_process(COMMAND ${SIM} --seeds ${SEEDS}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCH "seeds=[0-9]+ steps=[0-9]+ elections=[0-9]+ violations=([0-9]+)\n?$"
       summary "${out}")
if(NOT summary)
  message(FATAL_ERROR "no summary line at the end of the output (exit ${rc}):\n${out}\n${err}")
endif()
set(violations ${CMAKE_MATCH_1})
string(REGEX MATCHALL "FAIL seed=[0-9]+: [^\n]*" fails "${out}")
list(LENGTH fails nfails)
list(SUBLIST fails 0 5 first)
string(REPLACE ";" "\n" first "${first}")
message(STATUS "broken core: ${summary} (exit ${rc}, ${nfails} failing seeds)\n${first}")
if(rc EQUAL 0 OR violations EQUAL 0)
  message(FATAL_ERROR "the simulation did NOT detect the broken core: ${summary}")
endif()
