# Replays one seed twice with --trace and requires byte-identical output.
#   cmake -DSIM=<strata-sim> -DSEED=<s> -P check_trace_deterministic.cmake
foreach(run 1 2)
  execute_process(COMMAND ${SIM} --seed ${SEED} --steps 300 --trace
                  RESULT_VARIABLE rc${run} OUTPUT_VARIABLE out${run})
endforeach()
string(LENGTH "${out1}" len)
if(len LESS 1000)
  message(FATAL_ERROR "trace suspiciously short (${len} bytes):\n${out1}")
endif()
if(NOT out1 STREQUAL out2)
  message(FATAL_ERROR "two replays of seed ${SEED} printed different traces")
endif()
if(NOT rc1 EQUAL rc2)
  message(FATAL_ERROR "two replays of seed ${SEED} exited differently: ${rc1} vs ${rc2}")
endif()
message(STATUS "seed ${SEED}: identical traces (${len} bytes)")
